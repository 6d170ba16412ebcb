import { journey } from '../dsl/journey';
import { serviceReminderOptions } from './service-reminder.options';

/**
 * Service reminder (transactional): an SMS 24 hours before the booked appointment. A new booking
 * for the same appointment (rescheduled) starts the clock over; a cancellation ends the run.
 * Transactional: no marketing consent, caps or quiet hours, but never to a suppressed number.
 * The event: `appointment.booked` with `appointmentId` and `appointmentAt` (ISO instant).
 */
export const serviceReminder = journey(
  serviceReminderOptions,
  async (j) => {
    const appointmentAt = Date.parse(String(j.trigger?.properties.appointmentAt));
    if (Number.isNaN(appointmentAt)) return 'no appointment time';
    if (appointmentAt <= Date.now()) return 'appointment already passed';
    await j.sleepUntilInstant(appointmentAt - 24 * 3600_000);
    await j.send({ channel: 'sms', template: 'service-reminder', step: 'service-reminder' });
  },
);
