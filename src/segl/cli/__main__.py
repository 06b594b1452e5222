from segl.cli import main

raise SystemExit(main())
