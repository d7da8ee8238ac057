export { x } from '@loop/interfaces';
