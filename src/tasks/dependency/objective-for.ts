// Rebuilds a parser's objective (tree or graph) from a description, e.g. one read from a model bundle.
import type { Backend } from '../../engine/backend/backend.js';
import type { ParserDescription } from './parser.js';
import { TreeObjective, type TreeObjectiveOptions } from './tree-objective.js';
import { GraphObjective, type GraphObjectiveOptions } from './graph-objective.js';

export type AnyParserObjective = TreeObjective | GraphObjective;

/** The objective a description's `kind` and stored `objective` settings name. */
export function objectiveFor(backend: Backend, description: Pick<ParserDescription, 'kind' | 'objective'>): AnyParserObjective {
  if (description.kind === 'graph') return new GraphObjective(backend, description.objective as Partial<GraphObjectiveOptions>);
  return new TreeObjective(backend, description.objective as Partial<TreeObjectiveOptions>);
}
