import { pollUntil, PollTimeout } from "../cli/poll";

describe("pollUntil", () => {
  test("returns the first value other than undefined, retrying errors", async () => {
    const answers: (() => number | undefined)[] = [
      () => undefined,
      () => {
        throw new Error("not up yet");
      },
      () => 7,
    ];
    let calls = 0;
    await expect(pollUntil(async () => answers[calls++](), { what: "a value", timeoutMs: 5_000, intervalMs: 1 })).resolves.toBe(7);
    expect(calls).toBe(3);
  });

  test("times out naming what it waited for, the state and the last error", async () => {
    const probe = async (): Promise<number | undefined> => {
      throw new Error("connection refused");
    };
    const wait = pollUntil(probe, { what: "the broker", timeoutMs: 20, intervalMs: 5, describe: () => "2 of 3 up" });
    await expect(wait).rejects.toThrow(PollTimeout);
    await expect(wait).rejects.toThrow("timed out after 0.02s waiting for the broker. 2 of 3 up (last error: connection refused)");
  });

  test("a fatal error ends the polling at once; onTimeout makes the timeout's error", async () => {
    class Fatal extends Error {}
    let calls = 0;
    const failing = async (): Promise<number | undefined> => {
      calls++;
      throw new Fatal("gone");
    };
    await expect(pollUntil(failing, { what: "x", timeoutMs: 5_000, intervalMs: 1, isFatal: (e) => e instanceof Fatal })).rejects.toThrow(Fatal);
    expect(calls).toBe(1);
    const never = async (): Promise<number | undefined> => undefined;
    await expect(pollUntil(never, { what: "x", timeoutMs: 5, intervalMs: 1, onTimeout: (last) => new Error(`hop failed${last}`) })).rejects.toThrow("hop failed");
  });
});
