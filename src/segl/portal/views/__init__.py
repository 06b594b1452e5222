"""The self-service portal's pages (MitID.dk in the seeds), one module per page group: logging in
and the overview, ordering, fulfilment, activation, the authenticators, the account, the history.

Every view translates: it reads the form, calls a service (:mod:`segl.portal.services`,
:mod:`segl.portal.drafts`) or a selector (:mod:`segl.portal.selectors`), and renders the answer
or the refusal (:mod:`segl.portal.refusals`)."""
