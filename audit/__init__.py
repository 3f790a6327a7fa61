"""``compact-proofs audit``: reasons to trust (or distrust) the checker, one certificate at a time.

Not part of the trusted base. The kernel (``checker``) never imports this package; the audit
imports the kernel, the strategies and the training code to attack and cross-examine it:

- ``audit.trust``         what a verified certificate rests on: the kernel rules applied, their
                          claims and Lean mirrors, and the assumptions outside the kernel;
- ``audit.ground_truth``  the proved bound against an independent count of correct inputs;
- ``audit.mutation``      the kernel run on perturbed certificates: none may prove more;
- ``audit.differential``  the kernel's verdicts on sampled inputs against mpmath;
- ``audit.cli``           the command line and the report.
"""
