/** How the dashboard writes numbers: counts with thousands separators, rates as percentages, money with two decimals. */
const count = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const percent = new Intl.NumberFormat('en-US', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 2 });
const money = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

export const formatCount = (n: number): string => count.format(n);
export const formatRate = (r: number | null | undefined): string => (r === null || r === undefined || !Number.isFinite(r) ? '–' : percent.format(r));
export const formatMoney = (n: number): string => money.format(n);
const points = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1, signDisplay: 'exceptZero' });
/** A difference of two rates, in percentage points: +15.0 pp. */
export const formatPoints = (d: number): string => `${points.format(d * 100)} pp`;
export const formatPValue = (p: number): string => (p < 0.001 ? '< 0.001' : p.toFixed(3));
