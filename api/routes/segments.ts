/**
 * /v1/segments: named audiences. POST creates (201) or replaces (200); GET lists, reads, counts and
 * pages through the members (in customer id order, `next` is the cursor); DELETE refuses (409) while
 * a campaign names the segment. Writing needs admin, reading needs read.
 */
import { Router } from 'express';
import type { Db } from '../../db/client';
import { deleteSegment, getSegment, listSegments, upsertSegment, type SegmentRow } from '../../db/queries/segments';
import { countMembers, memberProfilesPage } from '../../segments/members';
import { jsonBody } from '../json-body';
import { HttpError, parse } from '../../lib/http-error';
import { membersQuery, segmentBody, segmentIdSchema, membersAnswer, segmentAnswer, segmentCount, segmentList } from '../../schemas/segments';
import { auditTarget } from '../../audit/declare';
import { mount, type ApiRoute } from '../declared-route';

const answer = (s: SegmentRow) => ({ id: s.id, name: s.name, where: s.where, createdAt: s.createdAt.toISOString(), updatedAt: s.updatedAt.toISOString() });

export const segmentRoutes = {
  put: {
    method: 'post',
    path: '/v1/segments',
    audit: { action: 'segment.save', target: () => 'segment:?' },
    summary: 'Create or replace a segment: a named predicate over customers',
    key: 'admin',
    body: { schema: segmentBody },
    ok: { 200: { description: 'Replaced', schema: segmentAnswer }, 201: { description: 'Created', schema: segmentAnswer } },
    errors: [400, 401, 413],
  },
  list: {
    method: 'get',
    path: '/v1/segments',
    summary: 'Every segment',
    key: 'read',
    ok: { 200: { description: 'The segments', schema: segmentList } },
    errors: [401],
  },
  count: {
    method: 'get',
    path: '/v1/segments/{id}/count',
    summary: 'How many customers are in the segment now',
    key: 'read',
    params: { id: segmentIdSchema },
    ok: { 200: { description: 'The count', schema: segmentCount } },
    errors: [400, 401, 404],
  },
  members: {
    method: 'get',
    path: '/v1/segments/{id}/members',
    summary: 'The members, a page at a time in customer id order',
    key: 'read',
    params: { id: segmentIdSchema },
    query: membersQuery,
    ok: { 200: { description: 'A page of members', schema: membersAnswer } },
    errors: [400, 401, 404],
  },
  get: {
    method: 'get',
    path: '/v1/segments/{id}',
    summary: 'A segment',
    key: 'read',
    params: { id: segmentIdSchema },
    ok: { 200: { description: 'The segment', schema: segmentAnswer } },
    errors: [400, 401, 404],
  },
  delete: {
    method: 'delete',
    path: '/v1/segments/{id}',
    audit: { action: 'segment.delete', target: (req) => `segment:${req.params.id}` },
    summary: 'Delete a segment no campaign uses',
    key: 'admin',
    params: { id: segmentIdSchema },
    ok: { 204: { description: 'Deleted' } },
    errors: [400, 401, 404, 409],
  },
} satisfies Record<string, ApiRoute>;

export function segmentsRouter(db: Db): Router {
  const router = Router();

  const stored = async (raw: unknown): Promise<SegmentRow> => {
    const id = parse(segmentIdSchema, raw, 'id');
    const segment = await getSegment(db, id);
    if (!segment) throw new HttpError(404, 'not_found', `No segment ${id}`, 'id');
    return segment;
  };

  mount(router, segmentRoutes.put, jsonBody, async (req, res) => {
    const body = parse(segmentBody, req.body ?? {});
    auditTarget(res, `segment:${body.id}`);
    const { segment, created } = await upsertSegment(db, body);
    res.status(created ? 201 : 200).json(answer(segment));
  });

  mount(router, segmentRoutes.list, async (_req, res) => {
    res.json({ segments: (await listSegments(db)).map(answer) });
  });

  mount(router, segmentRoutes.get, async (req, res) => {
    res.json(answer(await stored(req.params.id)));
  });

  mount(router, segmentRoutes.count, async (req, res) => {
    const segment = await stored(req.params.id);
    res.json({ count: await countMembers(db, segment.where) });
  });

  mount(router, segmentRoutes.members, async (req, res) => {
    const segment = await stored(req.params.id);
    const { limit, after } = parse(membersQuery, req.query);
    const members = await memberProfilesPage(db, segment.where, { limit, after });
    // A full page may have more behind it; a short one is the last.
    const next = members.length === limit ? members.at(-1)!.id : null;
    res.json({ members: members.map((m) => ({ ...m, createdAt: m.createdAt.toISOString() })), next });
  });

  mount(router, segmentRoutes.delete, async (req, res) => {
    const id = parse(segmentIdSchema, req.params.id, 'id');
    const outcome = await deleteSegment(db, id);
    if (outcome === 'missing') throw new HttpError(404, 'not_found', `No segment ${id}`, 'id');
    if (outcome !== 'deleted') throw new HttpError(409, 'conflict', `Campaign ${outcome.usedBy} uses segment ${id}: cancel and delete the campaign first`, 'id');
    res.status(204).end();
  });

  return router;
}
