"""The suitability table (适配表) as the committee reads and edits it: API and CSV."""
