export default { test: { include: ['tmp-exp/**/*.test.ts'] } };
