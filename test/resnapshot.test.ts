import { slotVerdict, snapshotRunning } from "../cli/resnapshot";

describe("lakehouse resnapshot", () => {
  const row = { active: false, wal_status: "lost", retained: null, safe_wal_size: null };

  test("starts over on a lost or a missing slot", () => {
    expect(slotVerdict("lakehouse_cdc", row, false)).toBe("lost");
    expect(slotVerdict("lakehouse_cdc", undefined, false)).toBe("missing");
  });

  test("refuses a healthy slot without --force, naming the slot, its state and what --force costs", () => {
    for (const walStatus of ["reserved", "extended", "unreserved"]) {
      expect(() => slotVerdict("my_slot", { ...row, active: true, wal_status: walStatus }, false)).toThrow(
        new RegExp(`replication slot my_slot is ${walStatus}, not lost: .*pass --force .*not the raw log`),
      );
    }
    expect(slotVerdict("my_slot", { ...row, wal_status: "reserved" }, true)).toBe("reserved");
  });

  test("reads Debezium's offsets: an initial snapshot runs until its offsets stop saying so", () => {
    expect(snapshotRunning({ lsn: 1, snapshot: "INITIAL", last_snapshot_record: false })).toBe(true);
    expect(snapshotRunning({ lsn: 1, snapshot: true, last_snapshot_record: true })).toBe(true);
    expect(snapshotRunning({ lsn: 1, snapshot: "INITIAL", snapshot_completed: true })).toBe(false);
    expect(snapshotRunning({ lsn: 1, txId: 7, ts_usec: 1 })).toBe(false);
    expect(snapshotRunning({ lsn: 1, snapshot: false })).toBe(false);
  });
});
