/**
 * serverless-esbuild's `config` file. The options live in scripts/build.ts, beside those of
 * `npm run build`, so both bundle alike from one source, plugins included.
 */
const { require: tsxRequire } = require('tsx/cjs/api');

module.exports = () => tsxRequire('./scripts/build.ts', __filename).SERVERLESS_BUNDLE_OPTIONS;
