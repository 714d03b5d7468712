"""Content slots: places on the shop's pages (a home page hero, a welcome block) that show one
of several variants, chosen per visitor by targeting (segment, trait, mindset, new or
returning, and — with ``context`` consent only — traffic source, device, time of day and
weather) or by a deterministic split with a control group; every choice explained and
logged for the experiments. See docs/content.md."""
