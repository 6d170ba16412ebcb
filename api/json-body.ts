/**
 * The JSON parser, put on each route that reads a JSON body (`router.post(path, requireScope(…),
 * jsonBody, handler)`), not on the whole app: a request no route takes gets its 404 without its body
 * being read, and a route without a body never parses one. The batch route has its own, larger limit.
 */
import express from 'express';

export const jsonBody = express.json({ limit: '256kb' });
