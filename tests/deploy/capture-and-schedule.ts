import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CAPTURE_MAX_RECEIVE_COUNT, CAPTURE_QUEUES, FOURTEEN_DAYS_S } from './expectations';
import { functionKey, lambdaByKey, lambdaFunctions, roleOf } from './lambdas';
import type { CfnResource, PackagedService } from './template';
import { grants, referencedId, resource, resourcesOfType, roleStatements } from './template';

/**
 * The template's asynchronous parts: the capture queues and who may use them, the replay trigger,
 * the keep-alive schedule and the alarms. Registered by serverless-package.test.ts, which packages once.
 */
const root = join(__dirname, '..', '..');
const CAPTURE_FAILED_PHRASE = 'DURABLE CAPTURE FAILED';

export function describeCaptureAndSchedule(getPackaged: () => PackagedService): void {
  const template = () => getPackaged().template;

  /** The functions whose roles hold `action`, with the default role osls creates counted as `(default role)`. */
  function holders(action: string): string[] {
    const byRole = new Map(lambdaFunctions(template()).map(([, lambda]) => [roleOf(template(), lambda)[0], functionKey(lambda)]));
    return resourcesOfType(template(), 'AWS::IAM::Role')
      .filter(([, role]) => grants(roleStatements(role)).some((grant) => grant.startsWith(`${action} on `)))
      .map(([roleId]) => byRole.get(roleId) ?? `(role ${roleId})`)
      .sort();
  }

  describe('the capture queues', () => {
    test('are FIFO queues with fixed names, deduplicated by the capture id the sender gives, and keep messages 14 days', () => {
      const queues = resourcesOfType(template(), 'AWS::SQS::Queue');
      expect(queues.map(([id]) => id).sort()).toEqual(Object.keys(CAPTURE_QUEUES).sort());
      for (const [id, queue] of queues) {
        const { QueueName, FifoQueue, ContentBasedDeduplication, MessageRetentionPeriod } = queue.Properties;
        expect({ id, QueueName, FifoQueue, ContentBasedDeduplication, MessageRetentionPeriod }).toEqual({
          id,
          QueueName: CAPTURE_QUEUES[id as keyof typeof CAPTURE_QUEUES],
          FifoQueue: true,
          ContentBasedDeduplication: false,
          MessageRetentionPeriod: FOURTEEN_DAYS_S,
        });
      }
    });

    test('are encrypted with the capture key of this template and kept by `serverless remove` and replacement', () => {
      for (const [id, queue] of resourcesOfType(template(), 'AWS::SQS::Queue')) {
        expect({
          id,
          key: referencedId(queue.Properties.KmsMasterKeyId),
          reuseSeconds: queue.Properties.KmsDataKeyReusePeriodSeconds,
          DeletionPolicy: queue.DeletionPolicy,
          UpdateReplacePolicy: queue.UpdateReplacePolicy,
        }).toEqual({ id, key: 'CaptureKey', reuseSeconds: 300, DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      }
    });

    test('the capture queue redrives to the dead-letter queue, which redrives nowhere', () => {
      const redrive = resource(template(), 'CaptureQueue').Properties.RedrivePolicy as { deadLetterTargetArn: unknown; maxReceiveCount: number };
      expect({ target: referencedId(redrive.deadLetterTargetArn), maxReceiveCount: redrive.maxReceiveCount }).toEqual({
        target: 'CaptureDeadLetterQueue',
        maxReceiveCount: CAPTURE_MAX_RECEIVE_COUNT,
      });
      expect(resource(template(), 'CaptureDeadLetterQueue').Properties.RedrivePolicy).toBeUndefined();
    });

    test("the capture queue's visibility timeout is at least six times the replay function's timeout (Lambda's SQS guidance)", () => {
      const [, replay] = lambdaByKey(template(), 'replay');
      expect(Number(resource(template(), 'CaptureQueue').Properties.VisibilityTimeout)).toBeGreaterThanOrEqual(6 * Number(replay.Properties.Timeout));
    });

    test('only events and installPage may send to them; only replay may receive or delete; no role touches the dead-letter queue', () => {
      expect(holders('sqs:SendMessage')).toEqual(['events', 'installPage']);
      expect(holders('sqs:ReceiveMessage')).toEqual(['replay']);
      expect(holders('sqs:DeleteMessage')).toEqual(['replay']);
      const dlqGrants = resourcesOfType(template(), 'AWS::IAM::Role').flatMap(([, role]) => grants(roleStatements(role))).filter((g) => g.includes('CaptureDeadLetterQueue'));
      expect(dlqGrants).toEqual([]);
    });
  });

  describe('the replay trigger', () => {
    test('is the only event source mapping: the capture queue to replay, batches of 10, failures reported per message', () => {
      const mappings = resourcesOfType(template(), 'AWS::Lambda::EventSourceMapping');
      expect(mappings).toHaveLength(1);
      const [, mapping] = mappings[0]!;
      const [replayId] = lambdaByKey(template(), 'replay');
      expect({
        source: referencedId(mapping.Properties.EventSourceArn),
        target: referencedId(mapping.Properties.FunctionName),
        batchSize: mapping.Properties.BatchSize,
        responseTypes: mapping.Properties.FunctionResponseTypes,
        enabled: mapping.Properties.Enabled,
      }).toEqual({ source: 'CaptureQueue', target: replayId, batchSize: 10, responseTypes: ['ReportBatchItemFailures'], enabled: true });
    });

    test("waits for replay's role: Lambda checks at creation that the role may read the queue", () => {
      const [, mapping] = resourcesOfType(template(), 'AWS::Lambda::EventSourceMapping')[0]!;
      const [roleId] = roleOf(template(), lambdaByKey(template(), 'replay')[1]);
      expect([mapping as CfnResource & { DependsOn?: unknown }].flatMap((m) => m.DependsOn ?? [])).toEqual([roleId]);
    });
  });

  describe('the keep-alive schedule', () => {
    test('is the only rule: daily, enabled, invoking keepalive, which EventBridge may invoke', () => {
      const rules = resourcesOfType(template(), 'AWS::Events::Rule');
      expect(rules).toHaveLength(1);
      const [, rule] = rules[0]!;
      const [keepaliveId] = lambdaByKey(template(), 'keepalive');
      const targets = (rule.Properties.Targets as { Arn: unknown }[]).map((target) => referencedId(target.Arn));
      expect({ schedule: rule.Properties.ScheduleExpression, state: rule.Properties.State, targets }).toEqual({
        schedule: 'rate(1 day)',
        state: 'ENABLED',
        targets: [keepaliveId],
      });
      const permissions = resourcesOfType(template(), 'AWS::Lambda::Permission').filter(([, p]) => p.Properties.Principal === 'events.amazonaws.com');
      expect(permissions.map(([, p]) => referencedId(p.Properties.FunctionName))).toEqual([keepaliveId]);
    });
  });

  describe('the alarms', () => {
    test('one fires as soon as a message waits in the dead-letter queue', () => {
      const alarm = resource(template(), 'CaptureDeadLetterAlarm').Properties;
      const dimensions = (alarm.Dimensions as { Name: string; Value: unknown }[]).map((d) => ({ name: d.Name, queue: referencedId(d.Value) }));
      expect({ ...alarm, Dimensions: dimensions, AlarmActions: undefined, AlarmDescription: undefined }).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ name: 'QueueName', queue: 'CaptureDeadLetterQueue' }],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    });

    test(`one fires on the log line "${CAPTURE_FAILED_PHRASE}" of each function that captures, the line lib/receive-or-capture.ts writes`, () => {
      expect(readFileSync(join(root, 'lib', 'receive-or-capture.ts'), 'utf8')).toContain(`'${CAPTURE_FAILED_PHRASE}:`);
      const filters = resourcesOfType(template(), 'AWS::Logs::MetricFilter').map(([, filter]) => filter.Properties);
      const logGroups = filters.map((filter) => referencedId(filter.LogGroupName)).sort();
      const capturing = holders('sqs:SendMessage').map((key) => `${lambdaByKey(template(), key)[0].replace(/LambdaFunction$/, '')}LogGroup`);
      expect(logGroups).toEqual(capturing.sort());
      const alarm = resource(template(), 'CaptureFailedAlarm').Properties;
      for (const filter of filters) {
        const [metric] = filter.MetricTransformations as { MetricNamespace: string; MetricName: string }[];
        expect({ pattern: filter.FilterPattern, namespace: metric?.MetricNamespace, name: metric?.MetricName }).toEqual({
          pattern: `"${CAPTURE_FAILED_PHRASE}"`,
          namespace: alarm.Namespace,
          name: alarm.MetricName,
        });
      }
      expect({ threshold: alarm.Threshold, operator: alarm.ComparisonOperator, statistic: alarm.Statistic }).toEqual({
        threshold: 1,
        operator: 'GreaterThanOrEqualToThreshold',
        statistic: 'Sum',
      });
    });

    test('notify the SNS topic given as --param alarmTopicArn, and nothing without one', () => {
      const { HasAlarmTopic } = (template() as { Conditions?: Record<string, unknown> }).Conditions ?? {};
      // Packaged without the param: the condition compares the empty default with ''.
      expect(HasAlarmTopic).toEqual({ 'Fn::Not': [{ 'Fn::Equals': ['', ''] }] });
      for (const [id, alarm] of resourcesOfType(template(), 'AWS::CloudWatch::Alarm')) {
        expect({ id, actions: alarm.Properties.AlarmActions }).toEqual({ id, actions: { 'Fn::If': ['HasAlarmTopic', [''], { Ref: 'AWS::NoValue' }] } });
      }
    });
  });
}
