export { x } from '@loop/core';
