#!/usr/bin/env node
// The `stratum` executable: runs the TypeScript CLI through tsx's ESM loader.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/bin.ts');
