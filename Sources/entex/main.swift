import ArgumentParser
import Entex

EntexCommand.main()
