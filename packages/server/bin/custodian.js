#!/usr/bin/env node
// The `custodian` command. Sources are TypeScript run through tsx's loader,
// which also lets a policy file be written as custodian.config.ts.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
