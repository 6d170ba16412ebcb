/** Every journey, by export name = workflow type. Add a journey here and the worker and API know it. */
export { welcome } from './welcome';
