/** Serving: predictions, model information and rollback for the API, from the learner or the store. */
export { ModelServer, type ModelServerOptions } from './model-server.js';
