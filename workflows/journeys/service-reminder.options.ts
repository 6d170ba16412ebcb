import type { JourneyOptions } from '../dsl/options';

/** The service-reminder journey's options (its body: service-reminder.ts), read without the body by the API and the router (workflows/manifest.ts). */
export const serviceReminderOptions: JourneyOptions = {
  id: 'service-reminder',
  trigger: { event: 'appointment.booked', key: 'appointmentId', properties: { appointmentAt: 'instant' } },
  restartOn: ['appointment.booked'],
  exitOn: ['appointment.cancelled'],
  reentry: 'after-exit',
  transactional: true,
};
