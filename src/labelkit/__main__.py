from labelkit.cli import main

raise SystemExit(main())
