"""Quality assurance (QA) of operators' calls: scorecards, the weekly sample and flags, evaluations,
disputes, coaching, calibration with the shop, kudos and the QA reports.

Not to be confused with the customers' own ratings of a call (the post-call survey's CSAT/NPS:
`service/surveys.py`, reported as `GET /api/v1/reports/quality`): those are what the customer said; this
package is what the quality department (role `qa`) and the shop's manager hear when they check the call.
"""
