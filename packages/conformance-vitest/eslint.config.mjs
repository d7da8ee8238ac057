import base from '../../tooling/eslint.config.mjs';

export default base;
