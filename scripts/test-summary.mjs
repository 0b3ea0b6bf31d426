// Prints the closing lines of a Vitest JSON report: "N passed, N failed, N skipped", then the
// name of every failed test, so the tail of a CI log says what failed on each Node version.
// Exits 1 when the report is missing or no test ran, so CI can't pass on an empty run.
import { existsSync, readFileSync } from 'node:fs';

const file = process.argv[2] ?? 'test-output/vitest.json';
if (!existsSync(file)) {
  console.log('0 passed, 0 failed');
  console.error(`No test report at ${file}: the test run did not get as far as running tests.`);
  process.exit(1);
}
const report = JSON.parse(readFileSync(file, 'utf8'));
const firstLine = (text) =>
  String(text ?? '')
    .split('\n')[0]
    .slice(0, 200);
const passed = report.numPassedTests ?? 0;
const failed = report.numFailedTests ?? 0;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
for (const suite of report.testResults ?? []) {
  const where = suite.name ? suite.name.replace(`${process.cwd()}/`, '') : '?';
  const failedTests = (suite.assertionResults ?? []).filter((test) => test.status === 'failed');
  for (const test of failedTests) {
    console.log(
      `  FAILED ${where} > ${test.fullName ?? test.title}: ${firstLine(test.failureMessages?.[0])}`,
    );
  }
  // A file that failed before its tests ran (an import error, a hook) has no failed test.
  if (suite.status === 'failed' && failedTests.length === 0) {
    console.log(`  FAILED ${where}: ${firstLine(suite.message)}`);
  }
}
if (passed === 0 || failed > 0 || report.success === false) process.exit(1);
