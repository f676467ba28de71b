// Copies the non-TypeScript files the engine reads at run time (default pipelines) next to the compiled code.
import { cpSync } from 'node:fs';

cpSync('pipelines/batch/defaults', 'dist/pipelines/batch/defaults', { recursive: true, filter: (src) => !src.endsWith('.ts') });
