/**
 * /v1/segments: named audiences. POST creates (201) or replaces (200); GET lists, reads, counts and
 * pages through the members (in customer id order, `next` is the cursor); DELETE refuses (409) while
 * a campaign names the segment. Writing needs admin, reading needs read.
 */
import { Router } from 'express';
import type { Db } from '../../db/client';
import { deleteSegment, getSegment, listSegments, upsertSegment, type SegmentRow } from '../../db/queries/segments';
import { countMembers, memberProfilesPage } from '../../segments/members';
import { requireScope } from '../auth';
import { jsonBody } from '../json-body';
import { HttpError, parse } from '../../lib/http-error';
import { membersQuery, segmentBody, segmentIdSchema } from '../../schemas/segments';

const answer = (s: SegmentRow) => ({ id: s.id, name: s.name, where: s.where, createdAt: s.createdAt.toISOString(), updatedAt: s.updatedAt.toISOString() });

export function segmentsRouter(db: Db): Router {
  const router = Router();

  const stored = async (raw: unknown): Promise<SegmentRow> => {
    const id = parse(segmentIdSchema, raw, 'id');
    const segment = await getSegment(db, id);
    if (!segment) throw new HttpError(404, 'not_found', `No segment ${id}`, 'id');
    return segment;
  };

  router.post('/v1/segments', requireScope('admin'), jsonBody, async (req, res) => {
    const body = parse(segmentBody, req.body ?? {});
    const { segment, created } = await upsertSegment(db, body);
    res.status(created ? 201 : 200).json(answer(segment));
  });

  router.get('/v1/segments', requireScope('read'), async (_req, res) => {
    res.json({ segments: (await listSegments(db)).map(answer) });
  });

  router.get('/v1/segments/:id', requireScope('read'), async (req, res) => {
    res.json(answer(await stored(req.params.id)));
  });

  router.get('/v1/segments/:id/count', requireScope('read'), async (req, res) => {
    const segment = await stored(req.params.id);
    res.json({ count: await countMembers(db, segment.where) });
  });

  router.get('/v1/segments/:id/members', requireScope('read'), async (req, res) => {
    const segment = await stored(req.params.id);
    const { limit, after } = parse(membersQuery, req.query);
    const members = await memberProfilesPage(db, segment.where, { limit, after });
    // A full page may have more behind it; a short one is the last.
    const next = members.length === limit ? members.at(-1)!.id : null;
    res.json({ members: members.map((m) => ({ ...m, createdAt: m.createdAt.toISOString() })), next });
  });

  router.delete('/v1/segments/:id', requireScope('admin'), async (req, res) => {
    const id = parse(segmentIdSchema, req.params.id, 'id');
    const outcome = await deleteSegment(db, id);
    if (outcome === 'missing') throw new HttpError(404, 'not_found', `No segment ${id}`, 'id');
    if (outcome !== 'deleted') throw new HttpError(409, 'conflict', `Campaign ${outcome.usedBy} uses segment ${id}: cancel and delete the campaign first`, 'id');
    res.status(204).end();
  });

  return router;
}
