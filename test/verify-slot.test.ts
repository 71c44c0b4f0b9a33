import { slotResult } from "../cli/verify";

describe("verify's slot hop", () => {
  const row = { active: true, wal_status: "reserved", retained: String(3 * 1048576), safe_wal_size: String(2045 * 1048576) };

  test("reports the WAL the slot holds and the room left before PostgreSQL invalidates it", () => {
    expect(slotResult("lakehouse_cdc", row)).toEqual({
      hop: "slot",
      ok: true,
      detail: "lakehouse_cdc: active, holds 3.0 MiB of WAL, 2045.0 MiB before PostgreSQL invalidates it (reserved)",
    });
  });

  test("a lost slot fails, naming the slot and the cause", () => {
    expect(() => slotResult("lakehouse_cdc", { ...row, wal_status: "lost", safe_wal_size: null })).toThrow(/replication slot lakehouse_cdc is lost: .*max_slot_wal_keep_size/);
  });

  test("a missing slot fails, naming it", () => {
    expect(() => slotResult("my_slot", undefined)).toThrow(/replication slot my_slot does not exist/);
  });

  test("a slot past the limit (unreserved) or inactive passes with a warning", () => {
    expect(slotResult("s", { ...row, wal_status: "unreserved", safe_wal_size: "-1024" }).warning).toBe(true);
    expect(slotResult("s", { ...row, active: false }).warning).toBe(true);
    expect(slotResult("s", { ...row, safe_wal_size: null }).detail).toContain("no max_slot_wal_keep_size limit");
  });
});
