import ArgumentParser

@main
struct Mizan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "mizan", abstract: "Evaluate models on Darija, Arabic, Amazigh and French.", version: "0.1.0", subcommands: [ScoreCommand.self])
}
