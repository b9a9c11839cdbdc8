export { openDemoDatabase, type DemoDatabase, type DemoDatabaseOptions } from './demo-database.js';
export { listExamples, loadExample } from './examples.js';
