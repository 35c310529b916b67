"""proctor: an external examiner for models.

Generated problems, graded against ground truth: `proctor.generate` makes
problems, `proctor.grade` scores completions. See README.md.
"""
from graders.problem import Problem, Verdict
from proctor.api import generate, grade
from proctor.errors import BadInput, InfrastructureError, ProctorError
from proctor.store import RunStore, StoredVerdict

__all__ = ["BadInput", "InfrastructureError", "Problem", "ProctorError", "RunStore", "StoredVerdict", "Verdict",
           "generate", "grade"]
