/**
 * A journey's (or a campaign's) experiments: per variant of each `j.variant` experiment, and the
 * holdout against the treated customers.
 *
 * The unit is the run, one customer's enrolment, because that is what was split. A run converts when
 * the journey's goal (analytics/attribution.ts `goalsSql`: an order, online or offline, for
 * `order.placed`) comes after the run started and within the goal window from that start. A held-out
 * run got no message, so message attribution cannot apply to it; the same run-level rule is applied
 * to every group so that their rates compare. Refused runs (turned away by `enterIf`) are left out.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client';
import { rowsOf } from '../db/rows';
import { goalsSql } from './attribution';
import { goalOf, sentInScope, type AnalyticsScope } from './scope';
import { twoProportionTest, type ProportionTest } from './significance';

export interface GroupResults {
  runs: number;
  customers: number;
  converted: number;
  revenue: number;
  /** converted / runs */
  conversionRate: number;
}

export interface VariantResults extends GroupResults {
  variant: string;
  /** Messages sent with this variant (the ledger's `variants`). */
  sent: number;
  /** Against the experiment's control (its first variant by name); absent for the control itself. */
  vsControl?: ProportionTest & { control: string; difference: number };
}

export interface HoldoutResults {
  treated: GroupResults;
  holdout: GroupResults;
  /** Treated rate minus holdout rate, and that over the holdout rate (null when the holdout converted none). */
  uplift: { absolute: number; relative: number | null } & ProportionTest;
}

export interface ExperimentsAnswer {
  journey: string;
  campaignId?: string;
  goal: { event: string; withinMs: number } | null;
  experiments: Array<{ experiment: string; variants: VariantResults[] }>;
  /** Null when the scope has no held-out run. */
  holdout: HoldoutResults | null;
}

type GroupRow = { runs: string | number; customers: string | number; converted: string | number; revenue: string | number | null };

function groupOf(r: GroupRow | undefined): GroupResults {
  const runs = Number(r?.runs ?? 0);
  const converted = Number(r?.converted ?? 0);
  return { runs, customers: Number(r?.customers ?? 0), converted, revenue: Number(r?.revenue ?? 0), conversionRate: runs ? converted / runs : 0 };
}

/** The scope's runs (`runs`) and each one's conversion (`conv`), as CTEs. */
function runsCtes(scope: AnalyticsScope): SQL {
  const filters: SQL[] = [sql`r.journey = ${scope.journey}`, sql`r.status <> 'refused'`];
  if (scope.campaignId !== undefined) filters.push(sql`r.campaign_id = ${scope.campaignId}`);
  if (scope.from) filters.push(sql`r.started_at >= ${scope.from.toISOString()}::timestamptz`);
  if (scope.to) filters.push(sql`r.started_at < ${scope.to.toISOString()}::timestamptz`);
  const runs = sql`runs as (select r.run_id, r.customer_id, r.started_at, r.holdout, r.variants from journey_runs r where ${sql.join(filters, sql` and `)})`;
  const goal = goalOf(scope.journey);
  const window = sql`make_interval(secs => ${(goal?.withinMs ?? 0) / 1000})`;
  const goals = goalsSql(scope.journey, {
    since: sql`(select min(started_at) from runs)`,
    until: sql`(select max(started_at) from runs) + ${window}`,
    customers: sql`select customer_id from runs`,
  });
  const conv = goals
    ? sql`conv as (select r.run_id, count(g.goal_id) > 0 as converted, coalesce(sum(g.revenue), 0) as revenue
        from runs r left join (${goals}) g on g.customer_id = r.customer_id and g.at > r.started_at and g.at <= r.started_at + ${window}
        group by r.run_id)`
    : sql`conv as (select r.run_id, false as converted, 0::numeric as revenue from runs r)`;
  return sql`${runs}, ${conv}`;
}

const groupColumns = sql`count(*) as runs, count(distinct r.customer_id) as customers,
  count(*) filter (where c.converted) as converted, sum(c.revenue) as revenue`;

export async function experimentResults(db: Db, scope: AnalyticsScope): Promise<ExperimentsAnswer> {
  const ctes = runsCtes(scope);
  const [variantRows, sentRows, holdoutRows] = await Promise.all([
    db.execute(sql`with ${ctes}
      select v.key as experiment, v.value as variant, ${groupColumns}
      from runs r join conv c using (run_id) cross join lateral jsonb_each_text(r.variants) v
      where not r.holdout and r.variants is not null
      group by 1, 2 order by 1, 2`),
    db.execute(sql`select v.key as experiment, v.value as variant, count(*) as sent
      from messages m cross join lateral jsonb_each_text(m.variants) v
      where ${sentInScope(scope)} and m.variants is not null
      group by 1, 2`),
    db.execute(sql`with ${ctes} select r.holdout, ${groupColumns} from runs r join conv c using (run_id) group by r.holdout`),
  ]);

  const sent = new Map(rowsOf<{ experiment: string; variant: string; sent: string }>(sentRows).map((r) => [`${r.experiment}\u0000${r.variant}`, Number(r.sent)]));
  const byExperiment = new Map<string, VariantResults[]>();
  for (const r of rowsOf<GroupRow & { experiment: string; variant: string }>(variantRows)) {
    const list = byExperiment.get(r.experiment) ?? [];
    list.push({ variant: r.variant, sent: sent.get(`${r.experiment}\u0000${r.variant}`) ?? 0, ...groupOf(r) });
    byExperiment.set(r.experiment, list);
  }
  const experiments = [...byExperiment].map(([experiment, variants]) => {
    const control = variants[0]!;
    for (const v of variants.slice(1)) {
      const test = twoProportionTest(v.converted, v.runs, control.converted, control.runs);
      v.vsControl = { control: control.variant, difference: v.conversionRate - control.conversionRate, ...test };
    }
    return { experiment, variants };
  });

  const groups = rowsOf<GroupRow & { holdout: boolean }>(holdoutRows);
  const heldRow = groups.find((g) => g.holdout);
  let holdout: HoldoutResults | null = null;
  if (heldRow) {
    const treated = groupOf(groups.find((g) => !g.holdout));
    const held = groupOf(heldRow);
    const absolute = treated.conversionRate - held.conversionRate;
    holdout = {
      treated,
      holdout: held,
      uplift: {
        absolute,
        relative: held.conversionRate ? absolute / held.conversionRate : null,
        ...twoProportionTest(treated.converted, treated.runs, held.converted, held.runs),
      },
    };
  }
  return {
    journey: scope.journey,
    ...(scope.campaignId !== undefined ? { campaignId: scope.campaignId } : {}),
    goal: goalOf(scope.journey) ?? null,
    experiments,
    holdout,
  };
}
