"""The gradtrace language: a safe subset of Python for PyTorch programs, run by our own interpreter.

``run_program`` parses, checks and runs a program; ``named_tensors`` lists the tensors a
finished program holds, under the names the graph and the page show.
"""

from app.lang.errors import LimitExceeded, NotAllowed, ProgramError, SyntaxProblem
from app.lang.program import named_tensors, run_program
from app.lang.result import ProgramResult

__all__ = [
    "LimitExceeded",
    "NotAllowed",
    "ProgramError",
    "ProgramResult",
    "SyntaxProblem",
    "named_tensors",
    "run_program",
]
