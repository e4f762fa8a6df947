// aws-local-stepfunctions calls Promise.withResolvers, which Node 20 lacks (Node 22, Lambda's runtime, has it).
import '../../local/stack/polyfills.js';
