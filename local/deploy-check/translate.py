"""The Serverless transform as `sam deploy` has CloudFormation run it: aws-sam-translator over a packaged template.

Reads {"template": <packaged SAM template>, "parameters": {name: value}, "region": "..."} as JSON on stdin and
writes the translated CloudFormation template as JSON on stdout. moto's CloudFormation does not run the
transform itself (it "creates" a SAM template with no functions), so tools/deploy-check runs it first.
"""
import json
import os
import sys


class ManagedPolicyLookupError(Exception):
    pass


def refuse_managed_policy_lookup():
    # The translator asks IAM for the AWS managed policies a template names by short name. This template names
    # none (only policy templates and inline statements), and this machine has no IAM: fail loudly if that changes.
    raise ManagedPolicyLookupError("the template names a managed policy by short name; the deploy check cannot look it up")


def main():
    request = json.load(sys.stdin)
    os.environ.setdefault("AWS_DEFAULT_REGION", request["region"])
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    translator = Translator(managed_policy_map=None, sam_parser=Parser())
    translated = translator.translate(
        sam_template=request["template"],
        parameter_values=request["parameters"],
        get_managed_policy_map=refuse_managed_policy_lookup,
    )
    json.dump(translated, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # the caller shows this line, not a Python trace
        sys.stderr.write(f"{type(error).__name__}: {error}\n")
        sys.exit(1)
