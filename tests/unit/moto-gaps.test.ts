/** The deploy check's moto-only rewrites and readers (local/deploy-check/moto-gaps.ts): each does what its gap needs and no more. */
import type { Template } from '../../template/index.js';
import { forMoto, motoBusName, parseMotoPolicyDocument, withoutMotoNoValues } from '../../local/deploy-check/moto-gaps.js';

const translated: Template = {
  Parameters: { Days: { Type: 'Number', Default: 7 }, Source: { Type: 'String' } },
  Conditions: { HasArchive: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'Days' }, '0'] }] } },
  Resources: {
    Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: { Ref: 'Source' }, EventSourceName: { Ref: 'Source' } } },
    Rule: { Type: 'AWS::Events::Rule', Properties: { EventBusName: { Ref: 'Bus' }, EventPattern: { source: ['x'] } } },
    Archive: { Type: 'AWS::Events::Archive', Properties: { EventPattern: { source: [{ prefix: 'aws.partner/genesys.com' }] } } },
    Machine: { Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionS3Location: { Bucket: 'b', Key: 'k' }, DefinitionSubstitutions: { FunctionArn: 'arn' } } },
    Alarm: { Type: 'AWS::CloudWatch::Alarm', Properties: { AlarmName: { 'Fn::Sub': '${AWS::StackName}-dlq' } } },
    Dashboard: { Type: 'AWS::CloudWatch::Dashboard', Properties: { DashboardBody: { 'Fn::Sub': '{"alarms":["${Alarm.Arn}"]}' } } },
  },
  Outputs: { BusName: { Value: { Ref: 'Bus' } } },
};

describe('forMoto', () => {
  const { template, rewrites } = forMoto(translated, new Map([['k', '{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${FunctionArn}","Parameters":{"x.$":"${!literal}"},"End":true}}}']]));

  it('leaves the translated template it is given as it was', () => {
    expect(translated.Resources.Rule?.Properties?.EventBusName).toEqual({ Ref: 'Bus' });
    expect(translated.Resources.Machine?.Properties?.DefinitionS3Location).toEqual({ Bucket: 'b', Key: 'k' });
  });

  it('names every gap it worked around and what it changed', () => {
    expect(Object.fromEntries(rewrites.map((rewrite) => [rewrite.gap.split(' ').slice(0, 3).join(' '), rewrite.changed]))).toEqual({
      'Ref to an': ['Ref Bus', 'Ref Bus'],
      "a rule's bus": ['Bus.Name', 'Bus.EventSourceName'],
      'a Number parameter': ['Ref Days'],
      "an archive's EventPattern": ['Archive.EventPattern'],
      'a state machine': ['Machine'],
      'Fn::GetAtt on an': ['Alarm.Arn'],
    });
  });

  it('inlines the definition with its substitutions, escaping every other ${...}', () => {
    expect(template.Resources.Machine?.Properties?.DefinitionString).toEqual({
      'Fn::Sub': ['{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${FunctionArn}","Parameters":{"x.$":"${!!literal}"},"End":true}}}', { FunctionArn: 'arn' }],
    });
  });

  it('writes what moto cannot take in the form it can, and nothing else', () => {
    expect(template.Resources.Rule?.Properties).toEqual({ EventBusName: { 'Fn::GetAtt': ['Bus', 'Name'] }, EventPattern: { source: ['x'] } });
    expect(template.Outputs?.BusName?.Value).toEqual({ 'Fn::GetAtt': ['Bus', 'Name'] });
    expect(template.Resources.Archive?.Properties?.EventPattern).toBe('{"source":[{"prefix":"aws.partner/genesys.com"}]}');
    expect(template.Conditions?.HasArchive).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [{ 'Fn::Join': ['', [{ Ref: 'Days' }]] }, '0'] }] });
    expect(template.Resources.Dashboard?.Properties?.DashboardBody).toEqual({
      'Fn::Sub': '{"alarms":["arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:${AWS::StackName}-dlq"]}',
    });
  });
});

describe("moto's readers", () => {
  it("reads moto's Python text of a policy as the JSON CloudFormation was given", () => {
    expect(parseMotoPolicyDocument("{'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Sid': 'It\\'s', 'Bool': True}, None]}")).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Sid: "It's", Bool: true }, null],
    });
    expect(parseMotoPolicyDocument('{"Version":"2012-10-17"}')).toEqual({ Version: '2012-10-17' });
  });

  it('drops the nulls moto leaves for AWS::NoValue, and names a partner bus without slashes', () => {
    expect(withoutMotoNoValues([{ Sid: 'A' }, null, null])).toEqual([{ Sid: 'A' }]);
    expect(motoBusName('aws.partner/genesys.com/cloud/org/events')).toBe('aws.partner-genesys.com-cloud-org-events');
  });
});
