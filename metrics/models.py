"""Impact metrics, budget and cost per impact: issue 3. Imports startups only."""
