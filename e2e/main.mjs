// Entry point of the browser tests: registers every test file's tests, then runs them (see harness.mjs).

import { run } from './harness.mjs';
import './portal.test.mjs';
import './assistant.test.mjs';
import './showcase.test.mjs';
import './cms.test.mjs';

run().catch((e) => {
  console.log(`not ok - harness: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});
