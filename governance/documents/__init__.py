"""Documents built from the record: model cards per version, EU AI Act technical documentation
(Annex IV, with completeness per section), fundamental-rights impact assessments (Art. 27), EU
database registration data (Art. 49, Annex VIII), and their JSON and PDF exports."""
