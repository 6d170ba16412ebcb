/** The shop's name on the preference center: CASCADE_SHOP_NAME, read when the page is served. */
export const shopName = (): string => process.env.CASCADE_SHOP_NAME?.trim() || 'Cascade';
