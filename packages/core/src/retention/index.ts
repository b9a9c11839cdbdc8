export { retentionSchedule, type ScheduleEntry, type ScheduleAction, type ScheduleBasis } from './schedule.js';
