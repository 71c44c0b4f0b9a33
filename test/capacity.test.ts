import { isFlat, nextRate } from "../cli/capacity";

const SEARCH = { startRate: 2500, maxRate: 40000, precision: 0.1, maxSteps: 7 };
const step = (rate: number, flat: boolean, writtenPerSecond = rate) => ({ rate, flat, writtenPerSecond });

describe("bench --capacity: when the lag is flat", () => {
  // 5 s checkpoints at 10,000 rows/s: a keeping-up pipeline saws up to ~60,000 events.
  test("a sawtooth that peaks alike in both halves and drains within a checkpoint is flat", () => {
    expect(isFlat({ maxLagFirstHalf: 58_000, maxLagSecondHalf: 61_000, drainSeconds: 6 }, 10_000, 5)).toBe(true);
  });

  test("a peak that grows in the second half is rising, even if the backlog drains", () => {
    expect(isFlat({ maxLagFirstHalf: 60_000, maxLagSecondHalf: 120_000, drainSeconds: 8 }, 10_000, 5)).toBe(false);
  });

  test("a backlog that outlasts two checkpoints and 10 s is rising", () => {
    expect(isFlat({ maxLagFirstHalf: 60_000, maxLagSecondHalf: 70_000, drainSeconds: 21 }, 10_000, 5)).toBe(false);
  });
});

describe("bench --capacity: the search", () => {
  test("starts at the start rate and doubles while the pipeline keeps up", () => {
    expect(nextRate([], SEARCH)).toBe(2500);
    expect(nextRate([step(2500, true)], SEARCH)).toBe(5000);
    expect(nextRate([step(2500, true), step(5000, true)], SEARCH)).toBe(10000);
  });

  test("then halves the gap between the highest flat rate and the lowest rising one, until within 10%", () => {
    expect(nextRate([step(2500, true), step(5000, true), step(10000, false)], SEARCH)).toBe(7500);
    expect(nextRate([step(5000, true), step(10000, false), step(7500, true)], SEARCH)).toBe(8800);
    expect(nextRate([step(5000, true), step(10000, false), step(7500, true), step(8800, false), step(8100, true)], SEARCH)).toBe(undefined);
  });

  test("halves from the start when even the first rate is too much", () => {
    expect(nextRate([step(2500, false)], SEARCH)).toBe(1300);
  });

  test("stops when the writers cannot reach the rate (PostgreSQL is the limit), at the maximum rate, or after the most steps", () => {
    expect(nextRate([step(2500, true), step(5000, true, 4100)], SEARCH)).toBe(undefined);
    expect(nextRate([step(20000, true), step(40000, true)], SEARCH)).toBe(undefined);
    expect(
      nextRate(
        [1, 2, 3, 4, 5, 6, 7].map((i) => step(i * 1000, true)),
        SEARCH,
      ),
    ).toBe(undefined);
  });
});
