/** The IAM invariant: every hand-written statement names its resources and grants no wildcard action. */
import type { Template } from '../../template/index.js';
import { list } from './values.js';

/**
 * The actions of CloudWatch Logs' vended-log delivery, which Step Functions logging needs and which
 * support no resource-level permission: the one place `Resource: '*'` is allowed.
 */
export const LOG_DELIVERY_ACTIONS = [
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
] as const;

/** An IAM statement as written in the template. */
export interface Statement {
  Sid?: string;
  Effect?: string;
  Action?: unknown;
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
}

/** A statement written under `Fn::If`: each branch that is a statement (`AWS::NoValue` is none); else the statement itself. */
function conditionalBranches(statement: unknown): unknown[] {
  const branches = (statement as { 'Fn::If'?: unknown[] } | null)?.['Fn::If'];
  if (!Array.isArray(branches)) return [statement];
  const isNoValue = (branch: unknown): boolean => JSON.stringify(branch) === JSON.stringify({ Ref: 'AWS::NoValue' });
  return branches.slice(1).filter((branch) => !isNoValue(branch)).flatMap(conditionalBranches);
}

/** Every hand-written IAM statement, with where it comes from. */
export function iamStatements(template: Template): { where: string; statement: Statement }[] {
  const found: { where: string; statement: Statement }[] = [];
  const fromDocument = (where: string, document: unknown): void => {
    const statements = (document as { Statement?: unknown } | undefined)?.Statement;
    for (const statement of (Array.isArray(statements) ? statements : statements === undefined ? [] : [statements]).flatMap(conditionalBranches)) {
      found.push({ where: `${where} ${(statement as Statement).Sid ?? ''}`.trim(), statement: statement as Statement });
    }
  };
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    const properties = resource.Properties ?? {};
    if (resource.Type === 'AWS::Serverless::Function' || resource.Type === 'AWS::Serverless::StateMachine') {
      const policies = properties.Policies;
      for (const policy of Array.isArray(policies) ? policies : policies === undefined ? [] : [policies]) {
        if (typeof policy === 'string') {
          found.push({ where: `${logicalId} managed policy ${policy}`, statement: { Effect: 'Allow', Action: '*', Resource: '*' } });
        } else if (policy !== null && typeof policy === 'object' && 'Statement' in policy) {
          fromDocument(logicalId, policy);
        } else {
          // A SAM policy template ({LambdaInvokePolicy: {FunctionName: ...}}) is scoped by its parameters.
          for (const [name, parameters] of Object.entries(policy as Record<string, unknown>)) {
            const values = Object.values((parameters ?? {}) as Record<string, unknown>);
            found.push({ where: `${logicalId} ${name}`, statement: { Effect: 'Allow', Action: name, Resource: values.length ? values : '*' } });
          }
        }
      }
    }
    if (resource.Type === 'AWS::SQS::QueuePolicy' || resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') {
      fromDocument(logicalId, properties.PolicyDocument);
    }
    if (resource.Type === 'AWS::IAM::Role') {
      for (const policy of (properties.Policies ?? []) as { PolicyDocument?: unknown }[]) fromDocument(logicalId, policy.PolicyDocument);
    }
  }
  return found;
}

/**
 * Every IAM statement names its resources and grants no wildcard action. `Resource: '*'` is allowed only
 * for the log-delivery actions. A Deny may use `service:*` (denying everything without TLS narrows, never grants).
 */
export function checkIamStatements(template: Template): string[] {
  const violations: string[] = [];
  for (const { where, statement } of iamStatements(template)) {
    const actions = list(statement.Action).map(String);
    const resources = list(statement.Resource);
    if (statement.NotAction !== undefined || statement.NotResource !== undefined) {
      violations.push(`${where}: NotAction/NotResource grant by exclusion`);
    }
    if (resources.length === 0) violations.push(`${where}: names no Resource`);
    if (statement.Effect !== 'Deny') {
      for (const action of actions.filter((item) => item.includes('*'))) violations.push(`${where}: grants wildcard action ${action}`);
    }
    if (resources.includes('*') && !actions.every((action) => (LOG_DELIVERY_ACTIONS as readonly string[]).includes(action))) {
      violations.push(`${where}: Resource '*' for ${actions.filter((a) => !(LOG_DELIVERY_ACTIONS as readonly string[]).includes(a)).join(', ')}`);
    }
  }
  return violations;
}
