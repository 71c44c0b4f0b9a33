import { deployDay2Stack, describeDay2, destroyDay2Stack } from "./day2";

/**
 * The Day-2 steps (test/e2e/day2.ts) on a dev stack of their own, without the analytics layer:
 * `npm run test:e2e:day2`, for working on Day 2 alone. `npm run test:e2e` (and CI) runs the same
 * steps on the dev e2e's stack after its own tests.
 */
describe("dev stack for the Day-2 steps", () => {
  beforeAll(deployDay2Stack);
  afterAll(async () => {
    if (process.env.E2E_KEEP !== "1") await destroyDay2Stack();
  });
  describeDay2();
});
