import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Reads what `serverless package` wrote: the CloudFormation template as data, and IAM statements
 * turned into readable grants ("dynamodb:GetItem on InstallationsTable") so the tests compare
 * statements, never search strings.
 */
export interface CfnResource {
  Type: string;
  Properties: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Outputs: Record<string, { Value: unknown }>;
}

export interface PackagedService {
  dir: string;
  template: CfnTemplate;
  /** serverless-state.json's `service` (custom values, function definitions). */
  service: { custom: Record<string, unknown>; functions: Record<string, { name: string }> };
}

export function readPackagedService(dir: string): PackagedService {
  const template = JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8')) as CfnTemplate;
  const state = JSON.parse(readFileSync(join(dir, 'serverless-state.json'), 'utf8')) as { service: PackagedService['service'] };
  return { dir, template, service: state.service };
}

export function resourcesOfType(template: CfnTemplate, type: string): [string, CfnResource][] {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}

export function resource(template: CfnTemplate, logicalId: string): CfnResource {
  const found = template.Resources[logicalId];
  if (!found) throw new Error(`The template has no resource ${logicalId}`);
  return found;
}

/** `{ "Fn::GetAtt": [id, "Arn"] }` or `{ Ref: id }` → id. */
export function referencedId(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const getAtt = (value as { 'Fn::GetAtt'?: unknown })['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  const ref = (value as { Ref?: unknown }).Ref;
  return typeof ref === 'string' ? ref : undefined;
}

const ARN_PREFIX = 'arn:${AWS::Partition}:';
const REGIONAL = ':${AWS::Region}:${AWS::AccountId}:';

/**
 * A statement's resource as a short name: a template resource's logical id, `ssm-parameter:/name`,
 * `log-group:/aws/lambda/name`; anything else as its literal JSON (so a `*` shows).
 */
export function resourceName(value: unknown): string {
  const id = referencedId(value);
  if (id) return id;
  const sub = typeof value === 'object' && value !== null ? (value as { 'Fn::Sub'?: unknown })['Fn::Sub'] : undefined;
  if (typeof sub === 'string') {
    const parameter = sub.startsWith(`${ARN_PREFIX}ssm${REGIONAL}parameter/`) ? sub.slice(`${ARN_PREFIX}ssm${REGIONAL}parameter`.length) : undefined;
    if (parameter !== undefined) return `ssm-parameter:${parameter}`;
    const logGroup = /^arn:\$\{AWS::Partition\}:logs:\$\{AWS::Region\}:\$\{AWS::AccountId\}:log-group:(.+?)(:\*){1,2}$/.exec(sub);
    if (logGroup) return `log-group:${logGroup[1]}`;
  }
  return JSON.stringify(value);
}

function conditionSuffix(condition: unknown): string {
  if (condition === undefined) return '';
  const viaService = (condition as { StringEquals?: Record<string, unknown> }).StringEquals?.['kms:ViaService'];
  const sub = typeof viaService === 'object' && viaService !== null ? (viaService as { 'Fn::Sub'?: unknown })['Fn::Sub'] : undefined;
  const service = typeof sub === 'string' ? /^([a-z0-9-]+)\.\$\{AWS::Region\}\.amazonaws\.com$/.exec(sub)?.[1] : undefined;
  if (service && Object.keys(condition as object).length === 1) return ` via ${service}`;
  return ` if ${JSON.stringify(condition)}`;
}

export interface Statement {
  Effect: string;
  Action?: string | string[];
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
  Condition?: unknown;
}

const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

export function roleStatements(role: CfnResource): Statement[] {
  const policies = asArray(role.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[] | undefined);
  return policies.flatMap((policy) => policy.PolicyDocument.Statement);
}

export function statementActions(statement: Statement): string[] {
  return asArray(statement.Action);
}

export function statementResources(statement: Statement): string[] {
  return asArray(statement.Resource).map(resourceName);
}

/** Every (action, resource) pair a role allows, as "action on resource[ via service]", sorted. */
export function grants(statements: Statement[]): string[] {
  return statements
    .filter((statement) => statement.Effect === 'Allow')
    .flatMap((statement) =>
      statementActions(statement).flatMap((action) => statementResources(statement).map((name) => `${action} on ${name}${conditionSuffix(statement.Condition)}`)),
    )
    .sort();
}

/** Resolves `Fn::Join` with Refs to a readable URL: `https://<HttpApi>.execute-api.<AWS::Region>.<AWS::URLSuffix>/path`. */
export function joinedText(value: unknown): string {
  const join = typeof value === 'object' && value !== null ? (value as { 'Fn::Join'?: unknown })['Fn::Join'] : undefined;
  if (!Array.isArray(join)) return JSON.stringify(value);
  const [separator, parts] = join as [string, unknown[]];
  return parts.map((part) => (typeof part === 'string' ? part : `<${referencedId(part) ?? JSON.stringify(part)}>`)).join(separator);
}

/** A route's `Target` (`integrations/<Ref>`) → the integration's logical id. */
export function routeIntegrationId(route: CfnResource): string {
  const join = (route.Properties.Target as { 'Fn::Join'?: [string, unknown[]] } | undefined)?.['Fn::Join'];
  return (join && referencedId(join[1][1])) ?? '';
}
