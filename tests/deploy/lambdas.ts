import { SERVICE, TEST_REGION, TEST_STAGE } from './expectations';
import type { CfnResource, CfnTemplate } from './template';
import { referencedId, resource, resourcesOfType } from './template';

/** The template's Lambda functions as serverless.yml names them, with their roles and environments. */
export function lambdaFunctions(template: CfnTemplate): [string, CfnResource][] {
  return resourcesOfType(template, 'AWS::Lambda::Function');
}

/** The serverless.yml function name of a Lambda resource (its FunctionName is `<service>-<stage>-<name>`). */
export function functionKey(lambda: CfnResource): string {
  return String(lambda.Properties.FunctionName).slice(`${SERVICE}-${TEST_STAGE}-`.length);
}

export function lambdaByKey(template: CfnTemplate, key: string): [string, CfnResource] {
  const found = lambdaFunctions(template).find(([, lambda]) => functionKey(lambda) === key);
  if (!found) throw new Error(`The template has no function ${key}`);
  return found;
}

export function roleOf(template: CfnTemplate, lambda: CfnResource): [string, CfnResource] {
  const roleId = referencedId(lambda.Properties.Role);
  if (!roleId) throw new Error(`${functionKey(lambda)} has no role from this template`);
  return [roleId, resource(template, roleId)];
}

/** The environment as written in the template: strings, or intrinsic functions (`{ Ref: CaptureQueue }`). */
export function environmentOf(lambda: CfnResource): Record<string, unknown> {
  return (lambda.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
}

/** A queue's URL as `Ref` gives it once deployed, for a made-up account. */
function queueUrl(queue: CfnResource): string {
  return `https://sqs.${TEST_REGION}.amazonaws.com/123456789012/${String(queue.Properties.QueueName)}`;
}

/** The environment as the function will see it: a `Ref` to a queue of the template becomes that queue's URL; any other intrinsic is refused. */
export function resolvedEnvironment(template: CfnTemplate, lambda: CfnResource): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(environmentOf(lambda))) {
    if (typeof value === 'string') {
      env[name] = value;
      continue;
    }
    const id = referencedId(value);
    const target = id === undefined ? undefined : template.Resources[id];
    if (!target || target.Type !== 'AWS::SQS::Queue' || !('Ref' in (value as object))) {
      throw new Error(`${functionKey(lambda)}: ${name} is ${JSON.stringify(value)}, which the tests cannot resolve`);
    }
    env[name] = queueUrl(target);
  }
  return env;
}
