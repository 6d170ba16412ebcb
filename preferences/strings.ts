/**
 * The preference center's words, in Russian and English. The customer's `locale` picks them with the
 * same fallback the templates use (ru-RU → ru → CASCADE_DEFAULT_LOCALE, default `ru`). Kept here, not
 * in templates/: these are the page's own strings, not a message's.
 */
import { localeChain } from '../lib/locale';
import type { Channel } from '../workflows/contract';

export interface PageStrings {
  lang: string;
  title: string;
  intro: (shop: string) => string;
  channels: Record<Channel, string>;
  topics: Record<string, string>;
  topicColumn: string;
  everything: string;
  save: string;
  saved: string;
  alwaysSent: string;
  nothingToChoose: string;
  invalidTitle: string;
  invalidLink: string;
  forbiddenTitle: string;
  forbidden: string;
  unsubscribedTitle: string;
  unsubscribed: (what: string, channel: string) => string;
  allTopics: string;
  manage: string;
  /** Why off boxes cannot be ticked: the link is over 30 days old (or from before links carried a date) and can only withdraw. */
  oldLink: string;
  /** ...or the customer marked a message as spam. */
  complained: string;
}

const ru: PageStrings = {
  lang: 'ru',
  title: 'Настройки рассылок',
  intro: (shop) => `Выберите, какие сообщения «${shop}» может вам присылать и куда.`,
  channels: { email: 'Эл. почта', sms: 'SMS', push: 'Push', webhook: 'Приложение', telegram: 'Telegram' },
  topics: { promotions: 'Акции и скидки', reminders: 'Напоминания', news: 'Новости и поздравления' },
  topicColumn: 'Что присылать',
  everything: 'Отписаться от всех рассылок по этому каналу',
  save: 'Сохранить',
  saved: 'Готово, настройки сохранены.',
  alwaysSent: 'Сообщения о заказах и записи на сервис приходят всегда.',
  nothingToChoose: 'Сейчас вам не приходят рекламные сообщения.',
  invalidTitle: 'Ссылка недействительна',
  invalidLink: 'Эта ссылка недействительна. Откройте ссылку из последнего письма или SMS.',
  forbiddenTitle: 'Настройки не сохранены',
  forbidden: 'Форма устарела или открыта не с нашей страницы. Откройте ссылку из письма ещё раз.',
  unsubscribedTitle: 'Вы отписались',
  unsubscribed: (what, channel) => `Больше не пришлём: ${what} (${channel}).`,
  allTopics: 'все рекламные сообщения',
  manage: 'Настроить рассылки',
  oldLink: 'Эта ссылка из давнего сообщения: по ней можно только отписаться. Чтобы подписаться снова, откройте ссылку из сообщения за последние 30 дней.',
  complained: 'Вы отметили наше сообщение как спам, поэтому подписаться снова здесь нельзя. Напишите нам, если это ошибка.',
};

const en: PageStrings = {
  lang: 'en',
  title: 'Your subscriptions',
  intro: (shop) => `Choose what ${shop} may send you, and where.`,
  channels: { email: 'Email', sms: 'SMS', push: 'Push', webhook: 'Wallet app', telegram: 'Telegram' },
  topics: { promotions: 'Promotions and offers', reminders: 'Reminders', news: 'News and greetings' },
  topicColumn: 'What we send',
  everything: 'Unsubscribe from everything on this channel',
  save: 'Save',
  saved: 'Done, your choices are saved.',
  alwaysSent: 'Order and service messages always reach you.',
  nothingToChoose: 'You get no marketing messages from us now.',
  invalidTitle: 'Link not valid',
  invalidLink: 'This link is not valid. Please use the link from the latest message you received.',
  forbiddenTitle: 'Not saved',
  forbidden: 'This form is out of date or was not sent from our page. Please open the link from the message again.',
  unsubscribedTitle: 'Unsubscribed',
  unsubscribed: (what, channel) => `You will not get ${what} by ${channel} any more.`,
  allTopics: 'marketing messages',
  manage: 'Manage your subscriptions',
  oldLink: 'This link is from an older message: it can only unsubscribe. To subscribe again, use the link in a message from the last 30 days.',
  complained: 'You marked one of our messages as spam, so subscribing again is not possible here. Contact us if that was a mistake.',
};

const LANGUAGES: Record<string, PageStrings> = { ru, en };

/** The customer's locale through the same fallback chain as the templates (lib/locale.ts). */
export function stringsFor(locale: string | null | undefined): PageStrings {
  const fallback = process.env.CASCADE_DEFAULT_LOCALE?.trim() || 'ru';
  const [found] = localeChain(locale, fallback, Object.keys(LANGUAGES)).filter((tag) => tag in LANGUAGES);
  return LANGUAGES[found!] ?? ru;
}

/** A topic's name for people; a topic nobody translated yet shows its id rather than nothing. */
export const topicName = (s: PageStrings, topic: string) => (Object.hasOwn(s.topics, topic) ? s.topics[topic]! : topic);
