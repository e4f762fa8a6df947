import { MIN_SCALED_TIMEOUT_SECONDS, scaledTimeoutSeconds } from '../../local/shared/time-scale.js';

describe('scaledTimeoutSeconds', () => {
  it('keeps timeouts at real length without a time scale', () => {
    expect(scaledTimeoutSeconds(10, 1)).toBe(10);
  });

  it('shrinks a long timeout by the full factor', () => {
    expect(scaledTimeoutSeconds(180, 10)).toBe(18);
  });

  it('never shrinks a timeout below the floor that real work needs', () => {
    expect(scaledTimeoutSeconds(10, 10)).toBe(MIN_SCALED_TIMEOUT_SECONDS);
    expect(scaledTimeoutSeconds(3, 10)).toBe(3);
  });

  it('lets a test of the timeout itself drop the floor', () => {
    expect(scaledTimeoutSeconds(10, 10, 0)).toBe(1);
  });
});
