"""Code task families, graded by the sandboxed `code` grader."""
