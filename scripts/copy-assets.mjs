// Copies the non-TypeScript files the engine reads at run time (default pipelines) next to the compiled code.
import { cpSync } from 'node:fs';

cpSync('pipelines', 'dist/pipelines', { recursive: true, filter: (src) => src === 'pipelines' || src.endsWith('.sql') });
