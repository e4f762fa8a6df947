import { compareState } from '../../local/harness/run.js';

const C = '2f7bf00a-0fc2-4d6a-9b56-92238191433e';
const P = '9fb2ca78-8389-4758-b76a-9b0300de1fce';

describe('compareState', () => {
  it('finds no difference when Genesys holds exactly what the events imply', () => {
    const state = { [C]: { [P]: { 'aws.customer.start': '2022-04-06T09:30:44.949Z' } } };
    expect(compareState(state, structuredClone(state))).toEqual({ participants: 1, mismatches: [] });
  });

  it('names a key that is missing or holds another value', () => {
    const expected = { [C]: { [P]: { 'aws.customer.start': 'a', 'aws.customer.end': 'b' } } };
    const actual = { [C]: { [P]: { 'aws.customer.start': 'x' } } };
    expect(compareState(expected, actual).mismatches).toEqual([
      `${C}/${P} aws.customer.start: expected "a", found "x"`,
      `${C}/${P} aws.customer.end: expected "b", found undefined`,
    ]);
  });

  it("tolerates a parked event's write that landed anyway, with the value the event implies", () => {
    const expected = { [C]: { [P]: { 'aws.customer.start': 'a' } } };
    const actual = { [C]: { [P]: { 'aws.customer.start': 'a', 'aws.customer.end': 'b' } } };
    expect(compareState(expected, actual, { [C]: { [P]: { 'aws.customer.end': 'b' } } }).mismatches).toEqual([]);
    expect(compareState(expected, actual, { [C]: { [P]: { 'aws.customer.end': 'other' } } }).mismatches).toHaveLength(1);
    expect(compareState(expected, actual).mismatches).toHaveLength(1);
  });
});
