/** Every journey, by export name = workflow type. Add a journey here and the worker and API know it. */
export { welcome } from './welcome';
export { serviceReminder } from './service-reminder';
export { orderConfirmation } from './order-confirmation';
export { firstOrderNudge } from './first-order-nudge';
export { abandonedCart } from './abandoned-cart';
export { reactivation } from './reactivation';
export { birthday } from './birthday';
export { quarterlyBonus } from './quarterly-bonus';
export { tyreSeason } from './tyre-season';
