/**
 * The template module's entry: reading template.yaml (./parse.ts), evaluating its intrinsics
 * (./resolve.ts) and reading the ASL its state machines name (./definition.ts). The local stack's
 * resolver over created resources is ./resolver.ts.
 */
export {
  CLOUDFORMATION_TAGS,
  PROJECT_ROOT,
  TEMPLATE_PATH,
  functionBuilds,
  functionEnvironment,
  functionProperty,
  getProperties,
  getResource,
  loadTemplate,
  parameterDefault,
  parameterDefaults,
  parseTemplate,
  resourcesOfType,
  type BuildProperties,
  type FunctionBuild,
  type Template,
  type TemplateParameter,
  type TemplateResource,
} from './parse.js';
export {
  DEFAULT_PSEUDO_PARAMETERS,
  isCreated,
  parameterValues,
  pseudoParameterValues,
  resolveValue,
  type PseudoParameters,
  type ResolveContext,
} from './resolve.js';
export {
  applySubstitutions,
  definitionFile,
  definitionSubstitutions,
  loadDefinition,
  placeholderArn,
  soleStateMachine,
  substitutionNames,
  type AslDefinition,
  type AslState,
  type Retrier,
} from './definition.js';
