"""The `json_schema` grader: structured output checked against a JSON Schema
and, optionally, against expected values.

extract (find the JSON in model text) -> parse (bounded, hostile-safe)
-> validate (jsonschema-rs, offline) -> match (values, partial credit).
The grader itself lives in `graders.json_schema.grader`, imported on first use.
"""
